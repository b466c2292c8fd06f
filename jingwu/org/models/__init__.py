from .people import Person
from .units import Unit
from .users import RoleAssignment, User

__all__ = ["Person", "RoleAssignment", "Unit", "User"]
