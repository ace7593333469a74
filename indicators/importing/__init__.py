"""Importing officers' files of figures: our template, OHID Fingertips exports and DfE Explore
Education Statistics data files, read as they come, validated row by row, applied all or
nothing, recorded, and undoable.

    from indicators.importing import import_values, undo_import

    report = import_values(source=path, file_name="cin-2023.csv", user=request.user)
    for sentence in report.summary():
        ...

The admin screens and the `import_values` management command are built on these functions:
`import_values` (in `services`, which says how the importer's modules fit together) and
`undo_import` (in `undo`).
"""

from indicators.importing.reading import FileRejected
from indicators.importing.report import Change, ImportReport, RowError, Tally
from indicators.importing.services import import_values
from indicators.importing.undo import UndoRefused, UndoResult, undo_import

__all__ = [
    "Change",
    "FileRejected",
    "ImportReport",
    "RowError",
    "Tally",
    "UndoRefused",
    "UndoResult",
    "import_values",
    "undo_import",
]
