DROP TABLE cross_resource_heard;
