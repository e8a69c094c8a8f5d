"""newsqa's answering core (newsqa.bot): questions in, checked answers out; the Discord face lives
in newsqa.bot.discord. Programs use it through the Python API: `from newsqa import Answerer, …`."""
