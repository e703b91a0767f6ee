"""Lost-target decision with hysteresis, so one bad frame neither drops nor restores a target."""

from __future__ import annotations


class LostHysteresis:
    """Declares the target lost after lost_after consecutive not-found frames and found again
    after found_after consecutive found frames.

    A fresh (or re-initialized) target starts as found.
    """

    def __init__(self, lost_after: int, found_after: int) -> None:
        if lost_after < 1 or found_after < 1:
            raise ValueError(
                f'lost_after and found_after must be >= 1, got {lost_after}, {found_after}')
        self.lost_after = lost_after
        self.found_after = found_after
        self.lost = False
        self._streak = 0

    def restart(self) -> None:
        """Forget the history: the target is found (called at initialization)."""
        self.lost = False
        self._streak = 0

    def update(self, found: bool) -> bool:
        """Feed one frame's found flag; returns whether the target is lost after it."""
        if found == self.lost:
            self._streak += 1
            if self._streak >= (self.found_after if self.lost else self.lost_after):
                self.lost = not self.lost
                self._streak = 0
        else:
            self._streak = 0
        return self.lost
