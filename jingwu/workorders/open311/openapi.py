"""An OpenAPI 3 description of the Open311 GeoReport v2 endpoints (served at
``/open311/v2/openapi.json``), so that generic tools — and the fuzzing test — know the resources,
their parameters and the specification's documents, errors included (``[{"code", "description"}]``
in JSON, ``<errors><error>`` in XML)."""

from __future__ import annotations

from typing import Any

FORMAT = {
    "name": "format",
    "in": "path",
    "required": True,
    "description": "json 或 xml / the response format",
    "schema": {"type": "string", "enum": ["json", "xml"]},
}
API_KEY_QUERY = {
    "name": "api_key",
    "in": "query",
    "required": False,
    "description": "读取密钥:带密钥读本单位范围内全部字段,不带只读公开字段 / optional key for reads",
    "schema": {"type": "string", "maxLength": 200},
}


def _text(max_length: int, description: str) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length, "description": description}


NULLABLE_TEXT = {"type": ["string", "null"]}
NULLABLE_NUMBER = {"type": ["number", "null"]}

SCHEMAS: dict[str, Any] = {
    "Errors": {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": ["code", "description"],
            "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        },
    },
    "Discovery": {
        "type": "object",
        "required": ["changeset", "contact", "key_service", "endpoints"],
        "properties": {
            "changeset": {"type": "string"},
            "contact": {"type": "string"},
            "key_service": {"type": "string"},
            "endpoints": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["specification", "url", "changeset", "type", "formats"],
                    "properties": {
                        "specification": {"type": "string"},
                        "url": {"type": "string"},
                        "changeset": {"type": "string"},
                        "type": {"type": "string"},
                        "formats": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
    },
    "Services": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["service_code", "service_name", "metadata", "type"],
            "properties": {
                "service_code": {"type": "string"},
                "service_name": {"type": "string"},
                "description": {"type": "string"},
                "metadata": {"type": "boolean"},
                "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
                "keywords": {"type": "string"},
                "group": {"type": "string"},
            },
        },
    },
    "ServiceDefinition": {
        "type": "object",
        "required": ["service_code", "attributes"],
        "properties": {"service_code": {"type": "string"}, "attributes": {"type": "array"}},
    },
    "ServiceRequests": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["service_request_id", "status", "service_code", "requested_datetime"],
            "properties": {
                "service_request_id": {"type": "string"},
                "status": {"type": "string", "enum": ["open", "closed"]},
                "status_notes": NULLABLE_TEXT,
                "service_name": {"type": "string"},
                "service_code": {"type": "string"},
                "description": NULLABLE_TEXT,
                "agency_responsible": {"type": "string"},
                "service_notice": {"type": "string"},
                "requested_datetime": {"type": "string"},
                "updated_datetime": NULLABLE_TEXT,
                "expected_datetime": NULLABLE_TEXT,
                "address": NULLABLE_TEXT,
                "address_id": NULLABLE_TEXT,
                "zipcode": NULLABLE_TEXT,
                "lat": NULLABLE_NUMBER,
                "long": NULLABLE_NUMBER,
                "media_url": NULLABLE_TEXT,
            },
        },
    },
    "Created": {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": ["service_request_id"],
            "properties": {
                "service_request_id": {"type": "string"},
                "service_notice": {"type": "string"},
                "account_id": NULLABLE_TEXT,
            },
        },
    },
}


def _ok(schema: str, status: str = "200", description: str = "成功 / OK") -> dict[str, Any]:
    return {
        status: {
            "description": description,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}},
                "text/xml": {"schema": {"type": "string"}},
            },
        }
    }


def _errors() -> dict[str, Any]:
    """Any refusal (400 bad parameter, 403 key, 404 unknown service/request/resource or format, 405
    method): the specification's error document, its first code the HTTP status."""
    return {
        "4XX": {
            "description": "规范格式的错误 / errors in the specification's format",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}},
                "text/xml": {"schema": {"type": "string"}},
            },
        }
    }


POST_BODY = {
    "type": "object",
    "required": ["api_key", "service_code"],
    "properties": {
        "api_key": _text(200, "提交密钥 / the key issued to the client"),
        "service_code": _text(32, "服务代码(诉求类别编码)/ from services.json"),
        "lat": _text(40, "纬度(与 long 同时提供)/ WGS-84 latitude, with long"),
        "long": _text(40, "经度(与 lat 同时提供)/ WGS-84 longitude, with lat"),
        "address_string": _text(200, "地址 / the address"),
        "address_id": _text(100, "地址编号 / an address id"),
        "email": _text(254, "电子邮箱(不保存)/ optional, checked, not stored"),
        "device_id": _text(100, "设备标识(不保存)/ optional, checked, not stored"),
        "account_id": _text(100, "账户标识(不保存)/ optional, not stored"),
        "first_name": _text(50, "名 / first name"),
        "last_name": _text(50, "姓 / last name"),
        "phone": _text(30, "联系电话(可选)/ optional phone number"),
        "description": _text(4000, "诉求内容 / what the citizen reports"),
        "media_url": _text(500, "图片链接 / an http(s) link to a photo"),
    },
}


def document(base_url: str = "") -> dict[str, Any]:
    """The OpenAPI 3.1 document; ``base_url`` is the server root (paths start with /open311/v2/)."""
    list_parameters = [
        API_KEY_QUERY,
        {"name": "service_request_id", "in": "query", "required": False, "schema": {"type": "string"}},
        {"name": "service_code", "in": "query", "required": False, "schema": {"type": "string"}},
        {"name": "start_date", "in": "query", "required": False, "schema": {"type": "string"}},
        {"name": "end_date", "in": "query", "required": False, "schema": {"type": "string"}},
        {"name": "status", "in": "query", "required": False, "schema": {"type": "string"}},
    ]
    paths = {
        "/open311/v2/discovery.{format}": {
            "get": {
                "operationId": "discovery",
                "summary": "服务发现 / service discovery",
                "parameters": [FORMAT],
                "responses": {**_ok("Discovery"), **_errors()},
            }
        },
        "/open311/v2/services.{format}": {
            "get": {
                "operationId": "services",
                "summary": "服务列表(诉求类别)/ the services (categories)",
                "parameters": [FORMAT],
                "responses": {**_ok("Services"), **_errors()},
            }
        },
        "/open311/v2/services/{service_code}.{format}": {
            "get": {
                "operationId": "service_definition",
                "summary": "服务定义 / a service definition",
                "parameters": [
                    {"name": "service_code", "in": "path", "required": True, "schema": {"type": "string"}},
                    FORMAT,
                ],
                "responses": {**_ok("ServiceDefinition"), **_errors()},
            }
        },
        "/open311/v2/requests.{format}": {
            "get": {
                "operationId": "get_service_requests",
                "summary": "查询服务请求 / service requests",
                "parameters": [FORMAT, *list_parameters],
                "responses": {**_ok("ServiceRequests"), **_errors()},
            },
            "post": {
                "operationId": "post_service_request",
                "summary": "提交服务请求 / submit a service request",
                "parameters": [FORMAT],
                "requestBody": {
                    "required": True,
                    "content": {"application/x-www-form-urlencoded": {"schema": POST_BODY}},
                },
                "responses": {**_ok("Created", "201", "已受理 / created"), **_errors()},
            },
        },
        "/open311/v2/requests/{service_request_id}.{format}": {
            "get": {
                "operationId": "get_service_request",
                "summary": "查询一件服务请求 / one service request",
                "parameters": [
                    {"name": "service_request_id", "in": "path", "required": True, "schema": {"type": "string"}},
                    FORMAT,
                    API_KEY_QUERY,
                ],
                "responses": {**_ok("ServiceRequests"), **_errors()},
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Open311 GeoReport v2(接诉即办)",
            "version": "v2",
            "description": "GeoReport v2 as this system serves it: see http://wiki.open311.org/GeoReport_v2. "
            "Errors are the specification's list of {code, description}.",
        },
        "servers": [{"url": base_url or "/"}],
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }
