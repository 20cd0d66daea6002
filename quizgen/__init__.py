"""quizgen: quizzes and flashcards from articles."""

__version__ = "0.1.0"
