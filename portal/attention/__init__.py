"""The merchant's attention queue: items raised once per episode by listeners on domain
events (:mod:`portal.attention.raising`), closed when the episode ends, and listed, counted
and acted on by the workspace and the API (:mod:`portal.attention.queue`)."""
