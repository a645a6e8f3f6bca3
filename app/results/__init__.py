"""Results shared back: HR's employee-summary page, and the pages employees read it on
(from their own survey link and from the survey-wide results link)."""
