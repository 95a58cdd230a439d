"""Reading legacy lists: spreadsheet and CSV readers, and the column mapping file."""
