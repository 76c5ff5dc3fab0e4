"""Pure clinical assessment: questionnaires, red flags, movement tests, endurance, classification."""
