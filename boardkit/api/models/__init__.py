"""The declared shapes of /api/v1: request bodies (``Body``) and answers (``Out``), one module per area."""
