"""Jingwu settings, read from ``JINGWU_*`` environment variables.

Defaults are safe for production (DEBUG off, secure cookies, no default secret); the demo and the
test suite switch on development mode explicitly with ``JINGWU_DEBUG=1`` / ``JINGWU_DEV=1``.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("JINGWU_VAR_DIR", Path.cwd() / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEV = env_bool("JINGWU_DEV")
DEBUG = env_bool("JINGWU_DEBUG", default=False)

_DEV_SECRET = "jingwu-development-only-secret-key-not-for-production-use-0123456789"
SECRET_KEY = os.environ.get("JINGWU_SECRET_KEY") or (_DEV_SECRET if (DEV or DEBUG) else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "JINGWU_SECRET_KEY is not set. Set it (50+ random characters) or run in development mode with JINGWU_DEV=1."
    )

# Keys for sensitive fields (SM4) and their blind index (HMAC-SM3). Hex, 32 characters (128 bits).
# Development mode derives them from the secret key so the demo works out of the box.
FIELD_ENCRYPTION_KEY = os.environ.get("JINGWU_FIELD_KEY", "")
BLIND_INDEX_KEY = os.environ.get("JINGWU_INDEX_KEY", "")

ALLOWED_HOSTS = env_list("JINGWU_ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEV or DEBUG) else "")
CSRF_TRUSTED_ORIGINS = env_list("JINGWU_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_filters",
    "treebeard",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "jingwu.core",
    "jingwu.org",
    "jingwu.workorders",
    "jingwu.cases",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jingwu.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "jingwu.core.middleware.ActorMiddleware",
    "jingwu.core.security.OTPRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jingwu.urls"
WSGI_APPLICATION = "jingwu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "jingwu.core.context_processors.shell",
                "jingwu.core.context_processors.notifications",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
_default_sqlite = f"sqlite:///{VAR_DIR / 'jingwu.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("JINGWU_DATABASE_URL", _default_sqlite), conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the single writer; IMMEDIATE avoids lock upgrades deadlocking.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = (
        {"NAME": os.environ.get("JINGWU_TEST_SQLITE", "")} if os.environ.get("JINGWU_TEST_SQLITE") else {}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Passwords and login security (等保三级 baseline) ------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jingwu.core.passwords.ComplexityValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "jingwu.org.auth.UserBackend",  # ModelBackend, loading the user with person and unit in one query
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours: 30 minutes
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_VERBOSE = False
# Locking is per account as 等保三级 asks (5 failures lock the account); an address-based lock would
# let one mistyping colleague behind the unit's NAT lock out a whole office.
SILENCED_SYSTEM_CHECKS = [
    "axes.W006",
    # Covering indexes (INCLUDE columns) speed up PostgreSQL; SQLite builds the same indexes
    # without the extra columns, which is all it needs at its scale.
    "models.W040",
]

SESSION_COOKIE_AGE = int(os.environ.get("JINGWU_SESSION_MAX_AGE", 8 * 3600))  # absolute lifetime
SESSION_IDLE_TIMEOUT = int(os.environ.get("JINGWU_SESSION_IDLE", 30 * 60))
# Sessions carry their user's id so that disabling an account ends its sessions (jingwu.core.security).
SESSION_ENGINE = "jingwu.core.security"
# The cookie dies with the browser; the server still ends a session after SESSION_COOKIE_AGE.
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("JINGWU_SESSION_BROWSER_CLOSE", True)
# Mandatory TOTP for the roles that require it (三员 and discipline). Only development mode may
# switch it off (the test suite does, and turns it back on for the login-security tests).
OTP_REQUIRED = env_bool("JINGWU_OTP_REQUIRED", True) if (DEV or DEBUG) else True
OTP_TOTP_ISSUER = os.environ.get("JINGWU_OTP_ISSUER", "警务 Jingwu")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

SECURE = not (DEV or DEBUG) and not env_bool("JINGWU_INSECURE_HTTP")
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env_bool("JINGWU_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("JINGWU_BEHIND_PROXY") else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("JINGWU_STATIC_ROOT", VAR_DIR / "static"))
MEDIA_ROOT = Path(os.environ.get("JINGWU_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEV or DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEV or DEBUG
WHITENOISE_AUTOREFRESH = DEV or DEBUG  # serve from the finders; no collectstatic in development

# --- Attachments (附件) ------------------------------------------------------------------------
# Allowed kinds, checked from the file's bytes (jingwu/core/attachments/validators.py names them):
# jpeg, png, pdf, docx, xlsx, mp3, mp4, wav, txt. Files live under MEDIA_ROOT/attachments/.
ATTACHMENT_TYPES = env_list("JINGWU_ATTACHMENT_TYPES", "jpeg,png,pdf,docx,xlsx,mp3,mp4,wav,txt")
ATTACHMENT_MAX_MB = int(os.environ.get("JINGWU_ATTACHMENT_MAX_MB", 20))  # per file
ATTACHMENT_MAX_FILES = int(os.environ.get("JINGWU_ATTACHMENT_MAX_FILES", 10))  # per upload
# A file whose name says another allowed type than its bytes (a PNG named .pdf): accept it as what
# its bytes are (the download name gets the right extension), or refuse it (1).
ATTACHMENT_STRICT_EXTENSION = env_bool("JINGWU_ATTACHMENT_STRICT_EXTENSION")

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: anonymous API calls then get 401 + WWW-Authenticate (session auth alone gives 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "jingwu.core.api_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "jingwu.core.api.Pagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "jingwu.core.api.exception_handler",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jingwu (警务) API",
    "DESCRIPTION": "REST API of Jingwu. Every list and detail is restricted to the caller's data scope.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Never a CDN: the docs page uses the vendored Swagger UI (jingwu/static/vendor/swagger-ui).
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": "/static/vendor/swagger-ui/favicon-32x32.png",
    # Several models have a field named "kind": give each choice set its own component name.
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "jingwu.org.models.Unit.Kind",
        "PersonKindEnum": "jingwu.org.models.Person.Kind",
        # 接诉即办 API
        "WorkOrderStateEnum": "jingwu.workorders.models.WorkOrder.State",
        "WorkOrderSourceEnum": "jingwu.workorders.models.WorkOrder.Source",
        "WorkOrderSatisfactionEnum": "jingwu.workorders.models.WorkOrder.Satisfaction",
        "WorkOrderLimitUnitEnum": "jingwu.workorders.models.config.LIMIT_UNIT_CHOICES",
        "WorkOrderReturnReasonEnum": "jingwu.workorders.models.ReturnRequest.Reason",
        # 警情与案件 API
        "CaseKindEnum": "jingwu.cases.models.Case.Kind",
        "CaseStateEnum": "jingwu.cases.models.Case.State",
        "IncidentStateEnum": "jingwu.cases.models.Incident.State",
        "PartyKindEnum": "jingwu.cases.models.Party.Kind",
        "PartyRoleEnum": "jingwu.cases.models.Party.Role",
    },
}

# --- Background tasks -----------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Email (notification channel) -------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("JINGWU_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("JINGWU_FROM_EMAIL", "jingwu@localhost")
EMAIL_HOST = os.environ.get("JINGWU_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("JINGWU_EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("JINGWU_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("JINGWU_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("JINGWU_EMAIL_TLS")
EMAIL_TIMEOUT = 10
# Public address of this site, for absolute links in emails and webhooks (e.g. https://jingwu.example.gov.cn).
SITE_URL = os.environ.get("JINGWU_SITE_URL", "")

# --- Audit ------------------------------------------------------------------------------------
# 网络安全法 第二十一条: network logs are kept no less than six months, so 180 days is a floor.
AUDIT_RETENTION_DAYS = max(180, int(os.environ.get("JINGWU_AUDIT_RETENTION_DAYS", 180)))
AUDIT_LANES = int(os.environ.get("JINGWU_AUDIT_LANES", 8))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("JINGWU_LOG_LEVEL", "WARNING")},
}
