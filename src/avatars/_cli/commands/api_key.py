"""`avatars api-key create|list|revoke`: manage your API keys."""

from __future__ import annotations

import argparse

from avatars import _display
from avatars._cli.arguments import SubParsers, add_server_options, positive_int
from avatars._cli.connection import manager
from avatars._cli.exits import EXIT_OK
from avatars._cli.output import info

ORDER = 50


def register(commands: SubParsers) -> None:
    """Add `avatars api-key` and its actions to the command's sub-parsers."""
    api_key = commands.add_parser("api-key", help="create, list or revoke API keys")
    key_commands = api_key.add_subparsers(title="actions", metavar="ACTION", required=True)
    create = key_commands.add_parser("create", help="create a key (shown once)")
    create.add_argument("name", metavar="NAME", help="what the key is for")
    create.add_argument("--expiration-days", type=positive_int, help="expire after N days")
    add_server_options(create)
    create.set_defaults(handler=create_command)
    listing = key_commands.add_parser("list", help="list your keys")
    add_server_options(listing)
    listing.set_defaults(handler=list_command)
    revoke = key_commands.add_parser("revoke", help="revoke a key")
    revoke.add_argument("key_id", metavar="ID", help="key id (see `avatars api-key list`)")
    add_server_options(revoke)
    revoke.set_defaults(handler=revoke_command)


def create_command(args: argparse.Namespace) -> int:
    """Create a key and print it (once) on stdout."""
    with manager(args) as session:
        created = session.auth_client.api_keys.create_api_key(
            name=args.name, expiration_days=args.expiration_days
        )
    print(created.key)
    expires = _display._format_time(getattr(created, "expires_at", None)) or "never"
    info(
        f"Created API key {args.name!r} (id {created.id}, expires {expires}). It is shown only "
        "once: store it now, e.g. export AVATAR_API_KEY=<key>."
    )
    return EXIT_OK


def list_command(args: argparse.Namespace) -> int:
    """Print your keys as a table."""
    with manager(args) as session:
        keys = session.auth_client.api_keys.get_api_keys().api_keys
    rows = [
        [
            str(key.id),
            str(key.name),
            _display._format_time(key.created_at),
            _display._format_time(getattr(key, "expires_at", None)) or "never",
            "revoked" if _display._field(key, "revoked_at") else "active",
        ]
        for key in keys
    ]
    print(_display.Table(["Id", "Name", "Created (UTC)", "Expires (UTC)", "State"], rows))
    return EXIT_OK


def revoke_command(args: argparse.Namespace) -> int:
    """Revoke a key by its id."""
    with manager(args) as session:
        session.auth_client.api_keys.revoke_api_key(args.key_id)
    print(f"Revoked API key {args.key_id}.")
    return EXIT_OK
