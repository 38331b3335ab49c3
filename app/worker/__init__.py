"""The worker process's own jobs: the push engine (`engine`: broadcasts, their sender
loop and the scheduler) and the scheduled jobs (`scheduler`), beside the click worker
(`app/referrals/worker.py`)."""
