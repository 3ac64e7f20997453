"""The district and what happens in it: street → community → grid → households (district), residents,
incidents arising (arrivals) and surfacing (上报, 派单, 巡查发现), campaigns, the household register, risk grades."""
