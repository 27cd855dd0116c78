"""`avatars login`: log in to a server and store an API key in the config file."""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import time
from typing import TYPE_CHECKING

from avatars import _config_file
from avatars._cli.arguments import SubParsers
from avatars._cli.exits import EXIT_OK, CliError

if TYPE_CHECKING:
    from avatars.client import ApiClient

ORDER = 60


def register(commands: SubParsers) -> None:
    """Add `avatars login` to the command's sub-parsers."""
    login = commands.add_parser(
        "login",
        help="log in to a server and store an API key in your config file",
        description="Ask for your username and password, create an API key, and store the "
        f"server URL and the key in {_config_file.config_path()} (readable only by you).",
    )
    login.add_argument("--server", metavar="URL", help="server URL (default: AVATAR_BASE_URL)")
    login.add_argument("--username", help="username (asked when not given)")
    login.set_defaults(handler=login_command)


def login_command(args: argparse.Namespace) -> int:
    """Ask for the password, create a key, store URL and key; revoke the key it replaces."""
    from avatars.client import ApiClient

    config = _config_file.read_config()
    url = args.server or os.environ.get("AVATAR_BASE_URL", "").strip() or config.base_url
    if not url:
        raise CliError(
            "pass the server to log in to with --server URL (commands without a server use "
            "the local one and need no login)"
        )
    username = args.username or _prompt("Username: ")
    password = getpass.getpass("Password: ")
    if not username or not password:
        raise CliError("a username and a password are needed to log in")
    args._server_description = f"the avatar server at {url}"
    replaced = config.api_key if config.base_url == url else None
    client = ApiClient(base_url=url)
    try:
        client.authenticate(username, password)
        name = f"avatars-cli {socket.gethostname()} {time.strftime('%Y-%m-%d')}"
        created = client.api_keys.create_api_key(name=name)
        path = _config_file.write_config(
            _config_file.UserConfig(base_url=url, api_key=created.key)
        )
        print(f"Logged in to {url} as {username}. API key {name!r} stored in {path} "
              f"(mode 0600).")
        if replaced:
            _revoke_replaced_key(client, replaced)
    finally:
        client.close()
    return EXIT_OK


def _revoke_replaced_key(client: ApiClient, key: str) -> None:
    """Revoke the key a new login replaces in the configuration file, when it is this
    account's (a key is ``<public id>.<secret>``; only the public id is sent)."""
    from avatars.errors import NotFoundError, PermissionDeniedError

    key_id = key.partition(".")[0]
    try:
        client.api_keys.revoke_api_key(key_id)
    except (NotFoundError, PermissionDeniedError):
        print(f"The key it replaces ({key_id}) was already revoked or belongs to another "
              f"account; it was left as it is.")
        return
    print(f"The key it replaces ({key_id}) is revoked.")


def _prompt(text: str) -> str:
    try:
        return input(text).strip()
    except EOFError:
        raise CliError("no username given (pass --username)") from None
