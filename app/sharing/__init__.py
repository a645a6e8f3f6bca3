"""Results shared back with employees: a survey's published employee summary and its link."""
