"""Human handoff: staffed hours, the queue, tickets and the agents who take over from Eva."""
