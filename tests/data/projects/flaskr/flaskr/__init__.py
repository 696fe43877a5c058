import os
import tempfile

from flask import Flask


def create_app(test_config=None):
    """Create and configure an instance of the Flask application."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        # the session signing key comes from the environment (a Kubernetes
        # Secret in a cluster), never from the code
        SECRET_KEY=os.environ.get("FLASKR_SECRET_KEY"),
        # the database lives where the container may write (/tmp)
        DATABASE=os.environ.get(
            "FLASKR_DATABASE", os.path.join(tempfile.gettempdir(), "flaskr.sqlite")
        ),
        RATE_LIMIT_PER_MINUTE=int(os.environ.get("FLASKR_RATE_LIMIT_PER_MINUTE", "1200")),
    )

    if test_config is None:
        # load the instance config, if it exists, when not testing
        app.config.from_pyfile("config.py", silent=True)
    else:
        # load the test config if passed in
        app.config.update(test_config)

    if not app.config["SECRET_KEY"]:
        raise RuntimeError(
            "FLASKR_SECRET_KEY is not set: the session signing key comes from the environment"
        )

    @app.route("/hello")
    def hello():
        return "Hello, World!"

    # register the database commands
    from . import db

    db.init_app(app)
    if test_config is None:
        db.ensure_db(app)

    from . import hardening
    from . import metrics

    metrics.init_app(app)
    hardening.init_app(app)

    # apply the blueprints to the app
    from . import auth
    from . import blog

    app.register_blueprint(auth.bp)
    app.register_blueprint(blog.bp)

    # make url_for('index') == url_for('blog.index')
    # in another app, you might define a separate main index here with
    # app.route, while giving the blog blueprint a url_prefix, but for
    # the tutorial the blog will be the main index
    app.add_url_rule("/", endpoint="index")

    return app
