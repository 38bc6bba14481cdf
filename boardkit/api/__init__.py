"""The REST API under /api/v1: thin routes over the domain services, bodies declared as pydantic
models (``models/``), the OpenAPI document generated from the routes and models (``openapi``)."""
