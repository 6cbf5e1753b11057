"""What the strategy module asks for, checked and turned into contact-log rows."""
