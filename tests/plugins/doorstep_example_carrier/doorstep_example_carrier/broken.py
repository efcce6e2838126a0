"""A plugin module that cannot be imported, as when a plugin's own dependency is missing.

Doorstep's registry must record the failure under the entry point's name and carry on.
"""

raise ImportError("doorstep_example_carrier.broken needs 'example-carrier-sdk', not installed")
