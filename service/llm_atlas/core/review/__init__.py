"""The literature review: screening sheets, BibTeX import and the Turtle they write."""
