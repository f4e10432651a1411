"""CSV/TSV files as the `datasets` csv builder reads them through pandas, without pandas.

:mod:`.options` checks the builder's kwargs; :mod:`.decode` turns bytes into text; :mod:`.scanner` splits
text into records by pandas' tokenizer rules; :mod:`.header` names the columns; :mod:`.infer` gives them
pandas' types; :mod:`.reader` puts these together (with Arrow's parser where it agrees with pandas).
"""

from .options import PANDAS_NA_VALUES
from .reader import CsvReader

__all__ = ["PANDAS_NA_VALUES", "CsvReader"]
