"""SMS providers behind the ``SmsSender`` port."""
