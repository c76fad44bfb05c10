"""Instructor side: a ready nbgrader course made from the question bank, and parallel,
resumable autograding that writes into nbgrader's own gradebook."""
