"""The review page's views (评审模式): the meeting view of one version, two versions compared,
and the exports for filing; ``data`` holds what they share."""
