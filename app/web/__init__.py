"""The HTTP layer (FastAPI): thin routes over the core. Build the app with `govcat.web.app.create_app`."""
