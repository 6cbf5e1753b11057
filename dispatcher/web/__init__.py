from dispatcher.web.app import DEPS, create_app

__all__ = ["DEPS", "create_app"]
