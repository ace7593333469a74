from django.core.management.base import BaseCommand, CommandParser

from pages.checker import check_sections, convert
from pages.models import Section


class Command(BaseCommand):
    help = (
        "List numbers typed as plain text in topic narrative that look like figures, say "
        "whether each matches the current data for its section's indicator, and suggest the "
        "live reference to use instead. With --fix, convert every number that matches exactly "
        "one figure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--topic", help="Only this topic (its path, e.g. a/b/child-protection)."
        )
        parser.add_argument(
            "--fix", action="store_true", help="Convert matching numbers into live references."
        )

    def handle(self, *args, topic: str | None = None, fix: bool = False, **options) -> None:
        sections = Section.objects.select_related("topic", "indicator").order_by(
            "topic__path", "sort_order"
        )
        if topic:
            sections = sections.filter(topic__path=topic.strip("/"))
        found = check_sections(list(sections))
        converted = 0
        for number in found:
            where = f"{number.section.topic.path}#{number.section.anchor}"
            line = f"{where}: “{number.text}” {number.status}"
            if number.suggestion:
                line += f"; use {number.suggestion}"
            elif len(number.matches) > 1:
                line += f" ({len(number.matches)} figures have this value: choose one)"
            style = self.style.SUCCESS if number.matches else self.style.WARNING
            self.stdout.write(style(line))
            if (
                fix
                and number.suggestion
                and convert(number.section, number.text, number.suggestion)
            ):
                converted += 1
        self.stdout.write(f"{len(found)} typed number(s) found.")
        if fix:
            self.stdout.write(self.style.SUCCESS(f"{converted} converted into live references."))
