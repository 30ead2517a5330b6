"""Building the OpenAPI document in-process must not rebind the Lambda apps' routers."""


def test_openapi_export_leaves_handler_routers_bound_to_their_apps(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    from hub.handlers import audit_api, ingest
    from hub.openapi import openapi_document

    openapi_document()
    assert ingest.router.api_resolver is ingest.app
    assert audit_api.router.api_resolver is audit_api.app
