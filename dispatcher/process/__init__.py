"""What a running worker or server is made of: dependencies, Redis, logs, start-up."""
