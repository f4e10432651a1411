"""Config names of the multi-config benchmark repos: MMLU's 57 subjects (and its 19-subject STEM group), the 7
Hendrycks MATH subjects, the 30 MMLU-Redux subjects and the 52 C-Eval subjects, as the Hub repos name them."""

from __future__ import annotations

MMLU_SUBJECTS = (
    "abstract_algebra", "anatomy", "astronomy", "business_ethics", "clinical_knowledge", "college_biology",
    "college_chemistry", "college_computer_science", "college_mathematics", "college_medicine", "college_physics",
    "computer_security", "conceptual_physics", "econometrics", "electrical_engineering", "elementary_mathematics",
    "formal_logic", "global_facts", "high_school_biology", "high_school_chemistry", "high_school_computer_science",
    "high_school_european_history", "high_school_geography", "high_school_government_and_politics",
    "high_school_macroeconomics", "high_school_mathematics", "high_school_microeconomics", "high_school_physics",
    "high_school_psychology", "high_school_statistics", "high_school_us_history", "high_school_world_history",
    "human_aging", "human_sexuality", "international_law", "jurisprudence", "logical_fallacies", "machine_learning",
    "management", "marketing", "medical_genetics", "miscellaneous", "moral_disputes", "moral_scenarios", "nutrition",
    "philosophy", "prehistory", "professional_accounting", "professional_law", "professional_medicine",
    "professional_psychology", "public_relations", "security_studies", "sociology", "us_foreign_policy", "virology",
    "world_religions",
)  # fmt: skip

MMLU_STEM = (
    "abstract_algebra", "anatomy", "astronomy", "college_biology", "college_chemistry", "college_computer_science",
    "college_mathematics", "college_physics", "computer_security", "conceptual_physics", "electrical_engineering",
    "elementary_mathematics", "high_school_biology", "high_school_chemistry", "high_school_computer_science",
    "high_school_mathematics", "high_school_physics", "high_school_statistics", "machine_learning",
)  # fmt: skip

HENDRYCKS_SUBJECTS = (
    "algebra", "counting_and_probability", "geometry", "intermediate_algebra", "number_theory", "prealgebra",
    "precalculus",
)  # fmt: skip

MMLU_REDUX_SUBJECTS = (
    "anatomy", "astronomy", "business_ethics", "clinical_knowledge", "college_chemistry", "college_computer_science",
    "college_mathematics", "college_medicine", "college_physics", "conceptual_physics", "econometrics",
    "electrical_engineering", "formal_logic", "global_facts", "high_school_chemistry", "high_school_geography",
    "high_school_macroeconomics", "high_school_mathematics", "high_school_physics", "high_school_statistics",
    "high_school_us_history", "human_aging", "logical_fallacies", "machine_learning", "miscellaneous", "philosophy",
    "professional_accounting", "professional_law", "public_relations", "virology",
)  # fmt: skip

CEVAL_SUBJECTS = (
    "computer_network", "operating_system", "computer_architecture", "college_programming", "college_physics",
    "college_chemistry", "advanced_mathematics", "probability_and_statistics", "discrete_mathematics",
    "electrical_engineer", "metrology_engineer", "high_school_mathematics", "high_school_physics",
    "high_school_chemistry", "high_school_biology", "middle_school_mathematics", "middle_school_biology",
    "middle_school_physics", "middle_school_chemistry", "veterinary_medicine", "college_economics",
    "business_administration", "marxism", "mao_zedong_thought", "education_science", "teacher_qualification",
    "high_school_politics", "high_school_geography", "middle_school_politics", "middle_school_geography",
    "modern_chinese_history", "ideological_and_moral_cultivation", "logic", "law", "chinese_language_and_literature",
    "art_studies", "professional_tour_guide", "legal_professional", "high_school_chinese", "high_school_history",
    "middle_school_history", "civil_servant", "sports_science", "plant_protection", "basic_medicine",
    "clinical_medicine", "urban_and_rural_planner", "accountant", "fire_engineer",
    "environmental_impact_assessment_engineer", "tax_accountant", "physician",
)  # fmt: skip

DEEPCODER_TRAIN = ("primeintellect", "taco", "lcbv5")
DEEPCODER_TEST = ("codeforces", "lcbv5")
