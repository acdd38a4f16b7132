//! Microsoft To Do: task lists and tasks both ways, and their delta.
