"""Background work: the Dramatiq broker, the actors, and the embedded in-process worker."""
