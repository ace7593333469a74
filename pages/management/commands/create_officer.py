from django.core.management.base import BaseCommand, CommandParser

from pages.services import OFFICER, ROLES, create_officer


class Command(BaseCommand):
    help = (
        "Create a staff account with a role (Officer by default, Publisher or Administrator), "
        "or reset its password."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--role", choices=ROLES, default=OFFICER)
        parser.add_argument("--team", default="", help="Add the account to this team.")
        parser.add_argument(
            "--password", default=None, help="Default: a new random password, printed once."
        )

    def handle(self, *args, username, email, role, team, password, **options) -> None:
        user, password = create_officer(
            username=username, email=email, password=password, role=role, team=team
        )
        self.stdout.write(self.style.SUCCESS(f"{role} login: {user.get_username()} / {password}"))
