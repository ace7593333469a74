from django.core.management.base import BaseCommand, CommandParser

from pages.services import create_officer


class Command(BaseCommand):
    help = "Create an officer account (staff, in the Officers group), or reset its password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password", default=None, help="Default: a new random password, printed once."
        )

    def handle(self, *args, username: str, email: str, password: str | None, **options) -> None:
        user, password = create_officer(username=username, email=email, password=password)
        self.stdout.write(self.style.SUCCESS(f"Officer login: {user.get_username()} / {password}"))
