"""The civility lexicons, one TOML file per locale (a package only so that they install)."""
