"""Importing officers' files of figures: our template, OHID Fingertips exports and DfE Explore
Education Statistics data files, read as they come, validated row by row, applied all or
nothing, recorded, and undoable.

    from indicators.importing import import_values, undo_import

    report = import_values(source=path, file_name="cin-2023.csv", user=request.user)
    for sentence in report.summary():
        ...

The admin screens and the `import_values` management command are built on these functions.
"""

from indicators.importing.reading import FileRejected
from indicators.importing.report import Change, ImportReport, RowError, Tally
from indicators.importing.services import UndoRefused, UndoResult, import_values, undo_import

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
