"""Action plans: what a team decided to do about the focus areas a release showed, who
does each action by when, and whether the next wave's release saw the focus areas move."""
