"""The background worker (`flask worker`): its rounds of steps, the survey schedule it
runs (openings, closings, reminders on a cadence, scheduled releases) and the heartbeat
each worker leaves for the admin pages and /healthz."""
