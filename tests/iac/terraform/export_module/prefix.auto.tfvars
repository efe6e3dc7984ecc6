# The release pipeline overrides the prefix per environment.
export_prefix = "ecs-export-prod"
