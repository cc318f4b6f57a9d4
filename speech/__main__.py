from speech.cli import app

app(prog_name="python -m speech")
