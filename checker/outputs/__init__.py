"""Outputs: reports in every format, PDF, numbers as people read them, signatures, files written whole."""

# The report formats, here so that a command can offer them without loading the report machinery.
FORMATS = ("text", "md", "html", "json", "pdf")
