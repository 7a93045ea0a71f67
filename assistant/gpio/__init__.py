"""GPIO: status LEDs and the push-to-talk button (gpiozero)."""
