"""The Textual UI: screens, widgets, key map and command palette. It never issues HTTP itself."""
