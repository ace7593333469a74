import shlex
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pages.services import OFFICER, ROLES, create_officer


class Command(BaseCommand):
    help = (
        "Create a staff account with a role (Officer by default, Publisher or Administrator), "
        "or reset its password (and role) if it exists, unless --keep-existing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--role", choices=ROLES, default=OFFICER)
        parser.add_argument("--team", default="", help="Add the account to this team.")
        parser.add_argument(
            "--password", default=None, help="Default: a new random password, printed once."
        )
        parser.add_argument(
            "--keep-existing",
            action="store_true",
            help="If the account exists, leave it as it is (password, role, teams) and say so: "
            "only a new account gets a password. scripts/dev.py start uses this.",
        )

    def handle(
        self,
        *args: Any,
        username: str,
        email: str,
        role: str,
        team: str,
        password: str | None,
        keep_existing: bool = False,
        **options: Any,
    ) -> None:
        _, password = create_officer(
            username=username,
            email=email,
            password=password,
            role=role,
            team=team,
            keep_existing=keep_existing,
        )
        if password is None:
            reset = f"python manage.py create_officer {shlex.quote(username)}"
            if role != OFFICER:
                reset += f" --role {role}"  # without it, the account would become an officer
            self.stdout.write(
                f"{username}: login already exists, password unchanged (reset it with: {reset})"
            )
            return
        self.stdout.write(self.style.SUCCESS(f"{role} login: {username} / {password}"))
