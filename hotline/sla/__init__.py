"""SLA clocks: the business calendar and due times for enquiries."""
