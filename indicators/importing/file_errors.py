"""What a file that cannot be read at all raises, and the advice its messages end with."""


class FileRejected(Exception):
    """The file as a whole cannot be imported; the message says why and what would work."""


SAVE_AS = "Save it from Excel as “CSV UTF-8 (Comma delimited)” or as an .xlsx workbook."
