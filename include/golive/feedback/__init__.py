"""Feedback of live applications (plan 000, phase 9): collected, validated, analysed, reported.

The domain of the ``golive_feedback`` DAG, without Airflow (it runs in the agent pods too):

* :mod:`~golive.feedback.rows`: the row schema and how a CSV/JSON batch is read and normalised;
* :mod:`~golive.feedback.collect`: the drop folder and the application's feedback endpoint;
* :mod:`~golive.feedback.validation`: the Great Expectations suite a batch must pass;
* :mod:`~golive.feedback.analysis`: sentiment, topics, priorities, CSAT and NPS per release;
* :mod:`~golive.feedback.report`: the insights report (HTML with plots, JSON);
* :mod:`~golive.feedback.layout`: where batches, quarantined files and reports live.
"""
