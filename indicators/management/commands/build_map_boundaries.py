"""python manage.py build_map_boundaries TOPOJSON: write the district boundaries the maps
draw (`indicators/geography/data/lad-boundaries.json`) from the ONS TopoJSON of the shared
reference data. Run it when the boundaries change; the site reads only the file it writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from indicators.maps import ATTRIBUTION, BOUNDARIES, compact


class Command(BaseCommand):
    help = (
        "Write the map boundaries the site ships (indicators/geography/data/"
        "lad-boundaries.json) from a TopoJSON file of ONS local authority district boundaries, "
        "such as the shared reference data's geography/lad-boundaries.topojson: each district's "
        "rings, decoded from the topology's arcs, to 1/1,000 degree."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("topojson", type=Path, help="The TopoJSON file to read.")
        parser.add_argument(
            "--layer", default="lad", help="The TopoJSON object to read (default: lad)."
        )
        parser.add_argument(
            "--output", type=Path, default=BOUNDARIES, help="Where to write (default: shipped)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["topojson"]
        try:
            topology = json.loads(source.read_text(encoding="utf-8"))
            data = compact(topology, options["layer"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CommandError(f"Cannot read boundaries from {source}: {error}") from error
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
        output: Path = options["output"]
        if not options["dry_run"]:
            output.write_text(text, encoding="utf-8")
        verb = "Would write" if options["dry_run"] else "Wrote"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {len(data['areas'])} areas' boundaries to {output} "
                f"({len(text.encode()):,} bytes)."
            )
        )
        if options["verbosity"] > 0:
            self.stdout.write(ATTRIBUTION)
