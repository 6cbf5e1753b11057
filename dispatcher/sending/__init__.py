"""The send path: one job takes a message from the contact log through the gate to a
channel; provider outcomes come back into the log."""
