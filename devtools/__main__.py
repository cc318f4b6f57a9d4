from devtools.demo import app

app()
