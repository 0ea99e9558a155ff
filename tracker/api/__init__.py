"""The NGO data API under ``/api/v1/``: reads for API keys, service-backed writes for analysts (docs/api.md)."""
