"""Jingwu (警务): one system on which a police unit runs its work mechanisms."""

__version__ = "0.1.0"
