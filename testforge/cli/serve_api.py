"""`testforge api serve|migrate`: run the SaaS facade (the `api` package) and its migrations."""

from typing import Annotated

import typer

from testforge.cli.app import app, handles_errors

api_app = typer.Typer(help="The SaaS API (tenants, SSO, billing, sharing) over the cluster.")
app.add_typer(api_app, name="api")


@api_app.command("serve")
@handles_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on")] = 8080,
) -> None:
    """Serve the API; settings come from TESTFORGE_API_* (see docs/api.md)."""
    import uvicorn

    uvicorn.run("api.main:serve", factory=True, host=host, port=port, proxy_headers=True)


@api_app.command("migrate")
@handles_errors
def migrate() -> None:
    """Bring the API's database schema up to date (run once per deploy, before serving)."""
    from api.db.migrate import main

    main()
